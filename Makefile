# The two commands of the README, and a few helpers.
.PHONY: run test bench check
run:            ## set up and serve the app on http://127.0.0.1:8000
	scripts/run.sh
test:           ## set up and run the whole test suite
	scripts/test.sh
check:          ## validate the questionnaires and the catalogue
	scripts/setup.sh && FLASK_APP=assessor .venv/bin/flask questionnaires check && FLASK_APP=assessor .venv/bin/flask catalogue check
bench:          ## run the benchmarks
	scripts/setup.sh --test && .venv/bin/python bench/report.py && .venv/bin/python bench/advisor.py
	.venv/bin/python bench/diagnosis.py && .venv/bin/python bench/load.py && .venv/bin/python bench/ready.py

"""Work done outside a page's request: the task queue (background reports, periodic tasks) and mail.

Layer between ``report`` and ``web``: it may import domain, store and report; web and cli import it.
"""

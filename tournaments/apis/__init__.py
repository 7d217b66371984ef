"""HTTP endpoints of the tournaments app, one module per subdomain (routes: ``tournaments/urls.py``)."""

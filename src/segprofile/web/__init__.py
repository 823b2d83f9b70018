"""The web face of segprofile: a Django project (studies, profile runs, reports) with HTMX."""

"""The JSON API (``/api/``, django-ninja) and its access tokens; worker liveness at startup."""

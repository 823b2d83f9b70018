"""The studies app's views, one module per area, as the templates are in ``templates/studies/``:
``study`` (list, new, detail, runs, priorities), ``data``, ``segments``, ``research``,
``journeys``, ``keys``, ``reports``, ``team``; what several areas share is in ``common``."""

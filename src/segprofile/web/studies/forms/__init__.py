"""The studies app's forms, one module per area, as the views are."""

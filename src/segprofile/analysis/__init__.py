"""Analysis: segmentation, clustering, portraits, priority, research statistics, journeys."""

"""Reports: the filled profile rendered as HTML (and later DOCX, XLSX, PDF)."""

"""Dashboard pages, one module per area (listed in `revlake.web.PAGE_MODULES`)."""

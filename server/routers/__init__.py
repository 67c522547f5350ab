"""HTTP routers of the city server, one module per area, all mounted under /api/v1."""

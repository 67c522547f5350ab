"""工作台: the dashboard feature."""

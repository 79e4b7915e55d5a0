"""The researchers' site: Datasette templates, routes and plugin hooks (see plugin.py)."""

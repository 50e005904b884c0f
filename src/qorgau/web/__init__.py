"""The web shell: app factory, request context, error pages, templates, static files."""

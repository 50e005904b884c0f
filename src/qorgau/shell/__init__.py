"""The shell: the pages around the rooms (home page per role, language switcher, health checks).
It sits on top of the rooms, beside the composition root, and may use any room's public API."""

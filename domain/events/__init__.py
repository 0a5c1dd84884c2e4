"""School events: every change to people, groups and courses, recorded with the change."""

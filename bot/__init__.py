"""The Slack side and process wiring of Roster: the composition root."""

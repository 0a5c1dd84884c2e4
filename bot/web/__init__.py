"""HTTP endpoints beside Slack's: the learner's pages and the course player's API."""

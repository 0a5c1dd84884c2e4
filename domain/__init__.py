"""What the school does: groups, members, courses and who may change them.

Nothing here knows about Slack, HTTP or the ORM; storage and the Slack side
plug in through the protocols in :mod:`domain.ports`.
"""

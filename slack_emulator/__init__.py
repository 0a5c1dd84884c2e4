"""A strict, stateful stand-in for Slack, run on loopback.

``SlackEmulator`` answers the Web API as Slack does (and rejects what Slack
rejects); ``SlackDriver`` plays the Slack platform's other half, sending
correctly signed commands, clicks and submissions to the app under test.
"""

from slack_emulator.driver import Interaction, SlackDriver
from slack_emulator.server import SlackEmulator

__all__ = ["Interaction", "SlackDriver", "SlackEmulator"]

"""Wire fakes that tests and benchmarks share: the Slack Web API, the Bot Connector,
signed Slack requests, Teams activities, a manual clock and an outbox sender.

Each fake behaves as the real service is documented (signatures, tokens, rate-limit
tiers and ``429 Retry-After``, 5xx, error bodies); none of it ships with the bot.
"""

"""Notifications (DESIGN §8): one outbox, an in-app inbox, SMS and e-mail senders (issue 10)."""

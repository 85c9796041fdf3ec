"""PROVISIONAL (checkout branch): replaced by the payments branch at merge."""

PAYMENT_INLINES: list = []

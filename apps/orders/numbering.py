"""Per-store sequential order numbers from a PostgreSQL sequence in the store's schema.

A sequence never hands out the same number twice, even to concurrent transactions; a rolled
back order leaves a gap, as in Shopify. Each store schema has its own sequence (the template's
is cloned with it), so every store counts from 1001. The offset is added here rather than with
``START 1001`` because schema cloning does not preserve a sequence's start value.
"""

SEQUENCE = "orders_order_number_seq"
NUMBER_OFFSET = 1000  # the first order of every store is #1001


def next_order_number() -> int:
    # Imported here: orders.sql reads the models, and models.py imports this module.
    from apps.orders import sql

    return sql.next_sequence_value(SEQUENCE) + NUMBER_OFFSET

"""The pages a new store starts with: draft wording the merchant reads and edits.

Written into the store template by a data migration, so every store cloned from it has them.
"""

DEFAULT_PAGES = [
    {
        "slug": "about",
        "title": "About us",
        "kind": "about",
        "body": (
            "We are a small team who care about what we sell.\n\n"
            "*Tell your customers who you are, what you make and why: edit this page in the "
            "store admin under Storefront look and pages → Pages.*"
        ),
    },
    {
        "slug": "contact",
        "title": "Contact us",
        "kind": "contact",
        "body": (
            "Questions about an order, a product or a return? Write to us with the form below "
            "and we answer within two working days.\n\n"
            "Please include your order number if your message is about an order."
        ),
    },
    {
        "slug": "shipping",
        "title": "Shipping policy",
        "kind": "shipping",
        "body": (
            "## Processing\n\nOrders are packed and handed to the carrier within 2 working "
            "days of payment.\n\n## Delivery times and costs\n\nThe delivery options for your "
            "country and their prices are shown at checkout before you pay.\n\n"
            "## Tracking\n\nWhen your order ships we email you a tracking link."
        ),
    },
    {
        "slug": "returns",
        "title": "Returns and refunds",
        "kind": "returns",
        "body": (
            "You can return unused items within **30 days** of delivery.\n\n"
            "1. Request a return from your order page (or the order lookup page).\n"
            "2. Once we approve it, send the items back in their original packaging.\n"
            "3. When they arrive we refund the items to your original payment method.\n\n"
            "Shipping costs are refunded when the item arrived damaged or was not what you "
            "ordered."
        ),
    },
    {
        "slug": "privacy",
        "title": "Privacy policy",
        "kind": "privacy",
        "body": (
            "We collect what we need to deliver your order: your name, email, shipping "
            "address and what you bought. Card details are handled by our payment provider and "
            "never stored by us.\n\nWe use your email to send order updates and, if you ask "
            "for them, stock alerts. We never sell your data. Ask us through the contact page "
            "to see or delete what we hold about you."
        ),
    },
    {
        "slug": "terms",
        "title": "Terms of service",
        "kind": "terms",
        "body": (
            "By placing an order you agree to these terms.\n\n"
            "- Prices are shown in the store's currency; the total at checkout is what you pay.\n"
            "- An order is accepted once payment is received; we email a confirmation.\n"
            "- Our [shipping](/pages/shipping/) and [returns](/pages/returns/) policies apply "
            "to every order."
        ),
    },
]

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.accounts.models import User


def register_customer(*, email: str, password: str, first_name: str = "") -> User:
    """Create a storefront customer account in the current store's schema."""
    email = User.objects.normalize_email(email.strip()).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "An account with this email already exists."})
    try:
        password_validation.validate_password(password, user=User(email=email))
    except ValidationError as exc:
        raise ValidationError({"password1": exc.messages}) from exc
    try:
        with transaction.atomic():
            return User.objects.create_user(
                email=email, password=password, first_name=first_name.strip()
            )
    except IntegrityError as exc:
        raise ValidationError({"email": "An account with this email already exists."}) from exc

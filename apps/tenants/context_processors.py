from django.conf import settings


def current_store(request):
    return {"store": getattr(request, "store", None), "platform_domain": settings.PLATFORM_DOMAIN}

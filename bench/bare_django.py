"""A bare Django view (``HttpResponse("ok")``, no middleware, no database): the framework's
ceiling on this machine, served by gunicorn next to Mercato in ``bench/storefront.py``.

    gunicorn --chdir bench bare_django:application
"""

from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-bare-view",  # noqa: S106 - a throw-away process that serves "ok"
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
)

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import path, re_path  # noqa: E402


def ok(request):
    return HttpResponse("ok")


urlpatterns = [path("healthz", ok), re_path(r"", ok)]
application = get_wsgi_application()

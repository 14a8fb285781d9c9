from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, options):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from calanque.wsgi import application

        return application


class Command(BaseCommand):
    help = "Sert le portail web (gunicorn, processus sans état : lancez-en autant que nécessaire)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.CALANQUE_HTTP_HOST)
        parser.add_argument("--port", type=int, default=settings.CALANQUE_HTTP_PORT)
        parser.add_argument("--workers", type=int, default=settings.CALANQUE_WEB_WORKERS)
        parser.add_argument("--no-collectstatic", action="store_true")

    def handle(self, *args, **options):
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        _Gunicorn({
            "bind": f"{options['host']}:{options['port']}",
            "workers": options["workers"],
            "worker_class": "gthread",
            "threads": 4,
            "accesslog": "-",
            "errorlog": "-",
            "graceful_timeout": 10,
            "proc_name": "calanque-web",
            # One control socket per installation (the default is shared by
            # every gunicorn of the machine user).
            "control_socket": str(settings.CALANQUE_HOME / "gunicorn.ctl"),
        }).run()

from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "calanque.assistance"
    label = "assistance"
    verbose_name = "Assistance"

    def ready(self):
        from calanque.assistance.inbound import TeamAddresses
        from calanque.mail import services

        services.register(TeamAddresses())

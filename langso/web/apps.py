from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "langso.web"
    label = "web"

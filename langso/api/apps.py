from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "langso.api"
    label = "api"

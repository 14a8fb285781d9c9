from django import template

from calanque.core.clients import describe_user_agent

register = template.Library()


@register.filter
def browser(user_agent: str) -> str:
    return describe_user_agent(user_agent or "")

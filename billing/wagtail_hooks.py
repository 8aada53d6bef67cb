from wagtail import hooks
from wagtail.permissions import register_permission_policy

from billing.admin_views import BillingViewSetGroup, LedgerPermissionPolicy
from billing.models import Charge, Customer, WebhookEvent

for model in (Charge, Customer, WebhookEvent):
    register_permission_policy(model, LedgerPermissionPolicy(model), exact_class=True)


@hooks.register("register_admin_viewset")
def register_billing_viewsets():
    return BillingViewSetGroup()

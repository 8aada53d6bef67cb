from django.db import migrations

# Editors run the shop day to day in the Wagtail admin: they find orders and payments and refund them.
GRANTS = [
    ("shop", "order", "view_order", "Can view order"),
    ("shop", "order", "refund_order", "Can refund orders"),
    ("billing", "charge", "view_charge", "Can view charge"),
    ("billing", "charge", "refund_charge", "Can refund charges"),
]


def grant(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    editors = Group.objects.filter(name="Editors").first()
    if editors is None:
        return
    for app_label, model, codename, name in GRANTS:
        # Permissions are normally created after all migrations (post_migrate); make them now if needed.
        content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
        permission, _ = Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )
        editors.permissions.add(permission)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    editors = Group.objects.filter(name="Editors").first()
    if editors is None:
        return
    for app_label, _, codename, _ in GRANTS:
        editors.permissions.remove(*Permission.objects.filter(content_type__app_label=app_label, codename=codename))


class Migration(migrations.Migration):
    dependencies = [
        ("website", "0003_site_branding"),
        ("shop", "0002_orders_and_stock_holds"),
        ("billing", "0001_initial"),
        ("wagtailcore", "0002_initial_data"),
    ]

    operations = [migrations.RunPython(grant, revoke)]

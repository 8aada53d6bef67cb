from django.db import migrations

# Editors run the shop day to day in the Wagtail admin: they look up payments and refund them.
GRANTS = [("charge", "view_charge", "Can view charge"), ("charge", "refund_charge", "Can refund charges")]


def grant(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    editors = Group.objects.filter(name="Editors").first()
    if editors is None:
        return
    for model, codename, name in GRANTS:
        # Permissions are normally created after all migrations (post_migrate); make them now if needed.
        content_type, _ = ContentType.objects.get_or_create(app_label="billing", model=model)
        permission, _ = Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )
        editors.permissions.add(permission)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    editors = Group.objects.filter(name="Editors").first()
    if editors is not None:
        codenames = [codename for _, codename, _ in GRANTS]
        editors.permissions.remove(*Permission.objects.filter(content_type__app_label="billing", codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0001_initial"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("wagtailcore", "0002_initial_data"),
    ]

    operations = [migrations.RunPython(grant, revoke)]

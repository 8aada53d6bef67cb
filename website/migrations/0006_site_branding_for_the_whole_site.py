"""Site branding becomes one setting for the whole site (a generic setting) rather than one per Site: the default
site's row is kept, any other site's is dropped."""

from django.db import migrations


def keep_the_default_sites_branding(apps, schema_editor):
    SiteBranding = apps.get_model("website", "SiteBranding")
    kept = (
        SiteBranding.objects.filter(site__is_default_site=True).first() or SiteBranding.objects.order_by("pk").first()
    )
    if kept is not None:
        SiteBranding.objects.exclude(pk=kept.pk).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("website", "0005_editors_set_stock"),
    ]

    operations = [
        migrations.RunPython(keep_the_default_sites_branding, migrations.RunPython.noop),
        migrations.RemoveField(model_name="sitebranding", name="site"),
    ]

"""Demo content for the site itself: the home page text and the demo sign-ins.

Every app may have a `demo.py` with a `seed(stdout)` function; `manage.py seed_demo` calls them in
order. Each must be idempotent: a second run changes nothing.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from website.models import HomePage

# Printed by `make run` so a new developer can sign in at once. Demo only: production has no seed.
DEMO_USERS = [
    # username, password, role, superuser, groups
    ("admin", "admin-demo-pass", "administrator (Wagtail admin, everything)", True, []),
    # Wagtail's Editors draft and edit; Moderators publish. A shop's editor does both.
    (
        "editor",
        "editor-demo-pass",
        "editor (Wagtail admin: publishes products, refunds orders)",
        False,
        ["Editors", "Moderators"],
    ),
    ("shopper", "shopper-demo-pass", "shopper (buys from the shop)", False, []),
]


def seed_users(stdout, users=DEMO_USERS):
    User = get_user_model()
    for username, password, role, superuser, groups in users:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "email": f"{username}@example.com",
                "is_staff": superuser or bool(groups),
                "is_superuser": superuser,
            },
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
            for group_name in groups:
                group, _ = Group.objects.get_or_create(name=group_name)
                user.groups.add(group)
        stdout.write(f"  {username:<10} / {password:<18} {role}{'' if created else ' (already there)'}")


def seed(stdout):
    home = HomePage.objects.first()
    if home and not home.intro:
        home.intro = "Hand-picked goods for sale, and a job board where employers post paid listings."
        home.save_revision().publish()
    stdout.write("Demo sign-ins (http://127.0.0.1:8000/accounts/login/ and /admin/):")
    seed_users(stdout)

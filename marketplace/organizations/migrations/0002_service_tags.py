from django.db import migrations

TAGS = [
    ("elderly", "养老"),
    ("disability", "助残"),
    ("children", "儿童"),
    ("youth", "青少年"),
    ("mediation", "调解"),
    ("environment", "环境"),
    ("culture-sports", "文体"),
    ("meal-aid", "助餐"),
    ("health", "健康"),
    ("legal-aid", "法律援助"),
    ("waste-sorting", "垃圾分类"),
    ("property", "物业协调"),
    ("volunteering", "志愿服务"),
    ("women-family", "妇女家庭"),
]


def forwards(apps, schema_editor):
    ServiceTag = apps.get_model("organizations", "ServiceTag")
    for order, (slug, name) in enumerate(TAGS):
        ServiceTag.objects.get_or_create(slug=slug, defaults={"name": name, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("organizations", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

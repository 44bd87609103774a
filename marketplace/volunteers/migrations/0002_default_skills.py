"""The skills a district starts with; the district may add, rename or reorder them later."""

from django.db import migrations

SKILLS = [
    ("elderly_care", "助老服务"),
    ("child_care", "儿童关爱"),
    ("disability_support", "助残服务"),
    ("medical", "医疗护理"),
    ("first_aid", "应急救护"),
    ("psychology", "心理疏导"),
    ("legal", "法律咨询"),
    ("mediation", "矛盾调解"),
    ("tutoring", "教育辅导"),
    ("culture_sports", "文体活动"),
    ("publicity", "宣传摄影"),
    ("it", "信息技术"),
    ("repair", "家电维修"),
    ("environment", "环境保护"),
    ("patrol", "治安巡逻"),
    ("translation", "外语翻译"),
]


def add_skills(apps, schema_editor):
    Skill = apps.get_model("volunteers", "Skill")
    for order, (slug, name) in enumerate(SKILLS):
        Skill.objects.get_or_create(slug=slug, defaults={"name": name, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0001_initial")]

    operations = [migrations.RunPython(add_skills, migrations.RunPython.noop)]

"""What every demo-data step shares: the context passed from step to step and the logins to print."""

from dataclasses import dataclass, field

# One password for every demo account, printed at the end of ``seed_demo``. It passes the
# portal's password validators, so the demo does not teach people to pick weak ones.
DEMO_PASSWORD = "Taihe#Demo2025"
DEMO_REASON = "演示数据(manage.py seed_demo)"


@dataclass
class DemoLogin:
    """One line of the printed login table."""

    role: str
    scope: str
    login: str
    password: str
    note: str = ""


@dataclass
class DemoContext:
    """Handed to every step in turn; a step reads what earlier steps left and adds its own."""

    district: object = None
    # The district admin: the actor of the demo's audited writes once the bootstrap has made them.
    admin: object = None
    users: dict = field(default_factory=dict)
    logins: list[DemoLogin] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)

    def count(self, label: str, n: int = 1) -> None:
        self.created[label] = self.created.get(label, 0) + n

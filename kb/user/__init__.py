"""What one user keeps between visits, as files under `app.user_dir` (never committed): the
reference basket, search history and saved searches, and feedback on hits."""

from __future__ import annotations

from pathlib import Path

from kb.user.basket import Basket
from kb.user.feedback import FeedbackLog
from kb.user.searches import Searches


class UserData:
    """The user's files; one instance per app process (its locks keep concurrent reruns apart)."""

    def __init__(self, user_dir: Path):
        self.dir = Path(user_dir)
        self.basket = Basket(self.dir / "basket.json")
        self.searches = Searches(self.dir / "searches.json")
        self.feedback = FeedbackLog(self.dir / "feedback.jsonl")

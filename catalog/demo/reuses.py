"""The demo's competition and its example entries.

The competition is modelled on the 2022 广西公共数据开放创新应用大赛 (Guangxi public data
open innovation application contest); its rounds and awards here are the usual ones of such a
contest, not a record of that year's. The two entries are made up and labelled 【示例】; they
use datasets of the demo catalog (the 2021 directory of data.gxzf.gov.cn), named by their
catalog identifiers, and are approved, so that a competition page, a reuse page with its
provenance panel and a dataset page with its reuses have something to show. Loading twice
adds nothing: the competition is found by its slug.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.db import utcnow
from catalog.models import Dataset
from catalog.reuses.models import APPROVED, COMPETITION_ENTRY, Competition, Reuse, ReuseDataset
from catalog.watch import note_changed

SLUG = "gx-2022"
LABEL = "【示例】"
COMPETITION = {
    "slug": SLUG,
    "title": "2022年广西公共数据开放创新应用大赛",
    "title_en": "2022 Guangxi Public Data Open Innovation Application Contest",
    "year": 2022,
    "description": "演示用赛事，参照2022年广西公共数据开放创新应用大赛设立；"
    "赛段与奖项为演示设置，参赛作品均为示例。",
    "rounds": ["初赛", "复赛", "决赛"],
    "awards": ["一等奖", "二等奖", "三等奖", "优秀奖"],
}
# (slug, title, team, description, round, award, [(dataset identifier, version)])
ENTRIES = (
    ("gx-2022-bus-stops", "邕e行·公交到站提醒", "示例团队甲",
     "示例作品：把玉林市公交站牌与公交企业名录做成到站提醒与线路查询小程序。",
     "决赛", "一等奖",
     [("gxzf-2021-c1380eb21f24e1ac", None), ("gxzf-2021-7e2c6f6e89ce9962", None)]),
    ("gx-2022-air-map", "广西空气质量地图", "示例团队乙",
     "示例作品：城市空气质量预报与县级站点实时数据的地图可视化。",
     "复赛", "优秀奖",
     [("gxzf-2021-27ed2b9463864174", None), ("gxzf-2021-70ad64714cdcfdcf", None),
      ("gxzf-2021-c1380eb21f24e1ac", None)]),
)  # fmt: skip


def load_competition(session: Session) -> int:
    """The competition and its entries whose datasets are in the catalog; returns the entries
    added (0 when the competition is there already)."""
    if session.scalar(select(Competition.id).where(Competition.slug == SLUG)) is not None:
        return 0
    competition = Competition(**COMPETITION)
    session.add(competition)
    added = 0
    for slug, title, team, description, round_, award, uses in ENTRIES:
        found = {
            identifier: session.scalar(select(Dataset.id).where(Dataset.identifier == identifier))
            for identifier, _ in uses
        }
        ids = {key: value for key, value in found.items() if value}
        if len(ids) < len(found):
            continue  # a partial demo catalog: leave the entry out
        now = utcnow()
        reuse = Reuse(
            slug=slug, kind=COMPETITION_ENTRY, title=LABEL + title, team=team,
            description=description, state=APPROVED, competition=competition, round=round_,
            award=award, submitted_at=now, decided_at=now,
        )  # fmt: skip
        reuse.uses = [
            ReuseDataset(dataset_id=ids[identifier], version=version, position=i)
            for i, (identifier, version) in enumerate(uses)
        ]
        session.add(reuse)
        note_changed(session, ids.values())  # their DCAT gains the link
        added += 1
    session.flush()
    return added

"""What an owner sees of their cameos: settings, approvals, and every clip that uses them."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from workbench.actors import ActorRef, load_actor
from workbench.social.videos import VideoView, video_views
from workbench.store.models import Cameo, CameoApproval, User, Video, VideoCameo


@dataclass(frozen=True)
class CameoView:
    id: int
    handle: str
    display_name: str
    kind: str
    status: str
    permission: str
    restrictions: str
    approved: tuple[str, ...]


class CameoService:
    def __init__(self, workbench) -> None:
        self._wb = workbench

    def mine(self, actor: ActorRef) -> list[CameoView]:
        with self._wb.transaction() as session:
            owner = load_actor(session, actor)
            views = []
            for cameo in session.scalars(select(Cameo).where(Cameo.owner_id == owner.id).order_by(Cameo.id)):
                approved = session.scalars(select(User.handle).join(CameoApproval, CameoApproval.user_id == User.id)
                                           .where(CameoApproval.cameo_id == cameo.id).order_by(User.handle))
                views.append(CameoView(cameo.id, cameo.handle, cameo.display_name, cameo.kind.value,
                                       cameo.status.value, cameo.permission.value, cameo.restrictions, tuple(approved)))
            return views

    def appearances(self, actor: ActorRef) -> list[VideoView]:
        """Every clip, draft or published, by anyone, that uses one of the actor's cameos; the owner
        co-owns them, so drafts are included."""
        with self._wb.transaction() as session:
            owner = load_actor(session, actor)
            videos = session.scalars(select(Video).join(VideoCameo, VideoCameo.video_id == Video.id)
                                     .join(Cameo, Cameo.id == VideoCameo.cameo_id)
                                     .where(Cameo.owner_id == owner.id).order_by(Video.id.desc()).distinct())
            return video_views(session, list(videos), self._wb.media_dir)

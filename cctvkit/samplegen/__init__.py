"""Synthetic CCTV footage with known faces: the sample archive and short clips for tests."""

from cctvkit.samplegen.archive import SUBJECT_ID, write_archive
from cctvkit.samplegen.clip import random_tracks, write_clip, write_scene
from cctvkit.samplegen.crowd import crowd_scene, crowd_tracks, write_crowd_clip
from cctvkit.samplegen.portraits import PORTRAITS
from cctvkit.samplegen.scene import FaceBox, FaceTrack, GroundTruth, Keyframe, Scene
from cctvkit.samplegen.street import street_scene, street_tracks, write_street_clip

__all__ = [
    "PORTRAITS",
    "SUBJECT_ID",
    "FaceBox",
    "FaceTrack",
    "GroundTruth",
    "Keyframe",
    "Scene",
    "crowd_scene",
    "crowd_tracks",
    "random_tracks",
    "street_scene",
    "street_tracks",
    "write_archive",
    "write_clip",
    "write_crowd_clip",
    "write_scene",
    "write_street_clip",
]

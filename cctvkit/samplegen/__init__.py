"""Synthetic CCTV footage with known faces: the sample archive and short clips for tests."""

from cctvkit.samplegen.archive import SUBJECT_ID, write_archive
from cctvkit.samplegen.clip import random_tracks, write_clip, write_scene
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
    "random_tracks",
    "street_scene",
    "street_tracks",
    "write_archive",
    "write_clip",
    "write_scene",
    "write_street_clip",
]

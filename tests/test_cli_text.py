"""What the command line says: errors in its own words (issue 17, item 20)."""

from chainrule.cli_text import speak_cli
from chainrule.data import storage
from chainrule.data.mnist import MNIST_FILES


def test_a_data_error_says_data_dir_not_root(monkeypatch, tmp_path):
    monkeypatch.setattr(storage, "checkout_data_dir", lambda: None)
    message = speak_cli(storage._not_found_message(list(MNIST_FILES[:1]), tmp_path, True, []))
    assert "root=" not in message and "(--data)" in message and "(or pass --data <folder>)" in message


def test_resume_and_checkpoint_words_are_the_options():
    message = speak_cli("resume=True but there is no checkpoint at runs/x/checkpoint.npz; start without resume first")
    assert message.startswith("--resume but there is no checkpoint")

"""matplotlib stays optional: importing chainrule (and chainrule.viz) never loads it, and its absence is explained."""

import subprocess
import sys
import textwrap


def run_python(code):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)


def test_importing_chainrule_and_the_graph_view_does_not_import_matplotlib():
    result = run_python("""
        import sys
        import chainrule, chainrule.viz
        from chainrule.viz import graph
        x = chainrule.Tensor(1.0, requires_grad=True)
        graph(chainrule.exp(x))
        print(sorted(name for name in sys.modules if name.split(".")[0] == "matplotlib"))
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_without_matplotlib_a_plot_says_how_to_install_it():
    result = run_python("""
        import sys
        sys.modules["matplotlib"] = None  # as if it were not installed
        from chainrule.viz import plot_history
        try:
            plot_history({"train_loss": [1.0, 0.5]})
        except ImportError as error:
            print(error)
    """)
    assert result.returncode == 0, result.stderr
    assert "-m pip install matplotlib" in result.stdout

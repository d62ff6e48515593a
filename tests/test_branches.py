"""np.where over a branch whose derivative is nan where it isn't taken: reverse mode's 0 × nan.

The true derivative of ``np.where(x > 0, np.sqrt(x), 0.0)`` at x = -1 is 0 (the function is 0
near -1). Reverse mode gives nan, and the table says why and what to write instead; what it
suggests gives the true derivative, checked against finite differences and closed forms.
"""

import warnings

import numpy as np
import pytest

from admagic import Tape, differentiate
from admagic.branches import unchosen_branches
from admagic.messages import speaking
from admagic.traced import new_leaf

WHERE = "y = np.where(x > 0, np.sqrt(x), 0.0)"


def run(code, values, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # np.sqrt(-1): the branch not taken
        return differentiate(code, values, graph=False, **options)


def central(f, x, h=1e-6):
    with np.errstate(invalid="ignore"):
        return (f(x + h) - f(x - h)) / (2 * h)


def where(x):
    return np.where(x > 0, np.sqrt(x), 0.0)


def _note(result):
    return [note for note in result.notes if "np.where did not take" in note]


@pytest.mark.parametrize("code", [WHERE, "y = np.nan_to_num(np.sqrt(x))"])
def test_a_nan_through_a_branch_not_taken_is_explained_in_the_table(code):
    result = run(code, {"x": -1.0})
    assert np.isnan(result["dy/dx"])  # reverse mode: 0 × nan
    assert central(where, -1.0) == 0.0  # the truth
    (note,) = _note(result)
    assert note.startswith("dy/dx is nan here because of a branch np.where did not take")
    assert "np.sqrt(np.where(x > 0, x, 1.0))" in note and "--mode forward" in note
    assert note in result._repr_html_() or "np.where did not take" in result._repr_html_()


def test_what_the_note_suggests_gives_the_true_derivative():
    assert run(WHERE, {"x": -1.0}, mode="forward")["dy/dx"] == 0.0
    safe = run("y = np.where(x > 0, np.sqrt(np.where(x > 0, x, 1.0)), 0.0)", {"x": -1.0})
    assert safe["dy/dx"] == 0.0 and not _note(safe)
    at = np.array([-1.0, 4.0])
    safe = run("y = np.where(x > 0, np.sqrt(np.where(x > 0, x, 1.0)), 0.0)", {"x": at})
    assert safe["dy/dx"] == pytest.approx(np.diag([0.0, 1 / (2 * np.sqrt(4.0))]), abs=0)


def test_an_array_input_names_the_derivative_and_keeps_the_taken_elements():
    result = run(WHERE, {"x": np.array([-1.0, 4.0])})
    jacobian = result["dy/dx"]
    assert jacobian[1, 1] == 0.25  # 1 / (2·sqrt 4): the element where np.sqrt was taken
    assert np.isnan(jacobian[:, 0]).all()  # x[0] = -1 reaches np.sqrt's nan partial
    assert len(_note(result)) == 1


def test_no_note_for_a_genuine_nan_or_a_branch_with_a_derivative():
    assert not _note(run("y = np.sqrt(x)", {"x": -1.0}))  # no np.where: the nan is the truth
    taken = run(WHERE, {"x": 4.0})
    assert taken["dy/dx"] == 0.25 and not _note(taken)
    finite = run("y = np.where(x > 0, np.log(np.abs(x)), x)", {"x": -2.0})  # log's partial finite
    assert finite["dy/dx"] == 1.0 and not _note(finite)


def test_two_inputs_only_the_one_through_the_branch_is_named():
    result = run("y = np.where(x > 0, np.sqrt(x), 0.0) + 3 * w", {"x": -1.0, "w": 2.0})
    assert np.isnan(result["dy/dx"]) and result["dy/dw"] == 3.0
    (note,) = _note(result)
    assert note.startswith("dy/dx is nan") and "dy/dw" not in note


def test_the_note_in_chinese():
    with speaking("zh"):
        result = run(WHERE, {"x": -1.0})
    assert any(note.startswith("dy/dx 在这里是 nan，原因是 np.where 没有选中的那个分支")
               for note in result.notes)


def test_unchosen_branches_reads_the_record():
    with Tape() as tape, np.errstate(invalid="ignore", divide="ignore"):
        x, w = new_leaf(tape, np.array([-1.0, 0.0, 4.0])), new_leaf(tape, 2.0)
        y = np.where(x > 0, np.sqrt(x), w)  # w is the branch taken at -1 and 0: it has a derivative
    assert unchosen_branches([y], {"x": x, "w": w}) == ["x"]
    with Tape() as tape:
        x = new_leaf(tape, 4.0)
        y = np.where(x > 0, np.sqrt(x), 0.0)
    assert unchosen_branches([y], {"x": x}) == []

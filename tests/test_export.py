from conftest import DEFAULT

import calcgraph
from calcgraph.render.diagram import graph_text


def test_mermaid_graph_of_t_step_has_its_three_terms():
    text = graph_text(calcgraph.load(DEFAULT).evaluated, "mermaid", only=["t_step"])
    for edge in ("t_flops --> t_step", "t_param_load --> t_step", "t_kv_load --> t_step"):
        assert edge in text


def test_dot_graph_draws_inputs_as_boxes():
    text = graph_text(calcgraph.load(DEFAULT).evaluated, "dot", only=["param_bytes"])
    assert '"n_params" [shape=box];' in text and '"n_params" -> "param_bytes";' in text

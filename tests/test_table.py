def test_dtype_table_is_one_command_with_max_batch_43_in_every_column(run):
    status, out, _ = run("table", "scenarios/dtype-table.yaml")
    assert status == 0
    assert "| quantity | unit | bf16 | int8 | int4 |" in out
    assert "| max_batch | seq | 43 | 43 | 43 |" in out
    assert "| free_hbm | GB | 116 | 58 | 29 |" in out

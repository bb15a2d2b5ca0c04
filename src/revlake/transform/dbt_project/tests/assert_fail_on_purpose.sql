-- A test that fails only when var revlake_fail_on_purpose is true. tests/transform uses
-- it to prove that a failing test stops publication; normal builds never set the var.
{{ config(enabled=true) }}
select 1 as deliberate_failure
where {{ 'true' if var('revlake_fail_on_purpose', false) else 'false' }}

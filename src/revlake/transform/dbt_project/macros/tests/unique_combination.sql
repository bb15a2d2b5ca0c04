{#- Generic test: no two rows share the same values of `columns` (a composite grain),
    and none of those columns is null. Fails with the offending keys. -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as row_count
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
union all
select {{ columns | join(', ') }}, 1 as row_count
from {{ model }}
where {% for c in columns %}{{ c }} is null{{ ' or ' if not loop.last }}{% endfor %}
{% endtest %}

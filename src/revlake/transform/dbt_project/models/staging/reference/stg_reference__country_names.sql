-- Grain: one row per known spelling of a country (variant_key = upper-cased, trimmed text).
-- The one place country synonyms are reconciled: `US`, `USA`, `United States` → United
-- States (US); `DE`, `Germany` → Germany (DE); typos seen in real exports (`Philipines`).
-- Silver models join on upper(trim(raw)) = variant_key; an unknown spelling keeps its
-- trimmed text as the country name and gets no code.
with canonical as (
  select * from (values
    ('US', 'United States'), ('DE', 'Germany'), ('GB', 'United Kingdom'), ('FR', 'France'),
    ('CA', 'Canada'), ('AU', 'Australia'), ('NL', 'Netherlands'), ('ES', 'Spain'),
    ('IT', 'Italy'), ('JP', 'Japan'), ('BR', 'Brazil'), ('IN', 'India'), ('SG', 'Singapore'),
    ('SE', 'Sweden'), ('CH', 'Switzerland'), ('IE', 'Ireland'), ('MX', 'Mexico'),
    ('CN', 'China'), ('BE', 'Belgium'), ('NO', 'Norway'), ('PL', 'Poland'), ('RO', 'Romania'),
    ('KE', 'Kenya'), ('KR', 'South Korea'), ('JO', 'Jordan'), ('PA', 'Panama'),
    ('PH', 'Philippines'), ('DK', 'Denmark'), ('FI', 'Finland'), ('AT', 'Austria'),
    ('PT', 'Portugal'), ('NZ', 'New Zealand'), ('ZA', 'South Africa'), ('IL', 'Israel'),
    ('AE', 'United Arab Emirates'), ('AR', 'Argentina'), ('CL', 'Chile'), ('CO', 'Colombia')
  ) as c (country_code, country_name)
),

synonyms as (
  select * from (values
    ('USA', 'US'), ('U.S.', 'US'), ('U.S.A.', 'US'), ('UNITED STATES OF AMERICA', 'US'),
    ('AMERICA', 'US'), ('DEU', 'DE'), ('DEUTSCHLAND', 'DE'), ('UK', 'GB'),
    ('GREAT BRITAIN', 'GB'), ('ENGLAND', 'GB'), ('GBR', 'GB'), ('FRA', 'FR'), ('CAN', 'CA'),
    ('AUS', 'AU'), ('PHILIPINES', 'PH'), ('KOREA', 'KR'), ('REPUBLIC OF KOREA', 'KR'),
    ('HOLLAND', 'NL'), ('THE NETHERLANDS', 'NL')
  ) as s (variant, country_code)
)

select upper(country_code) as variant_key, country_code, country_name from canonical
union all
select upper(country_name) as variant_key, country_code, country_name from canonical
union all
select s.variant as variant_key, c.country_code, c.country_name
from synonyms as s
inner join canonical as c on c.country_code = s.country_code

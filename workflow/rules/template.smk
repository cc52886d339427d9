# Blank extraction template: every sheet and column of the workbook contract, with drop-down lists and an
# instructions sheet (`make template`). Rebuilt when the contract changes.


rule template:
    input:
        spec="src/qolreview/workbook/spec.py",
    output:
        "results/template/extraction_template.xlsx",
    params:
        library=LIBRARY,
    log:
        "results/logs/template.log",
    script:
        "../scripts/template.py"

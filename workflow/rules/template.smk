# Blank extraction template (`make template`).


# Every sheet and column of the workbook contract, with drop-down lists and an instructions sheet; rebuilt
# when the contract (the library) or the review's vocabularies change.
rule template:
    output:
        template="results/template/extraction_template.xlsx",
    log:
        "results/logs/template.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        library=LIBRARY,
        settings={"vocabularies": config["review"]["vocabularies"]},
    script:
        "../scripts/template.py"
